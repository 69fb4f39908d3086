/** Public API of the pricing engine: the catalog and the estimator every tool shares. */
export * from "./types";
export {
  createPriceCatalog,
  defaultCatalog,
  effectiveSource,
  listSourcedRows,
  validatePriceCatalog,
  type AppInstanceSizePrice,
  type DatabaseEnginePrices,
  type DatabaseSizePrice,
  type DropletSizePrice,
  type LoadBalancerTypePrice,
  type PriceCatalog,
  type PriceCatalogData,
  type PriceSource,
  type RegistryTierPrice,
  type RetiredDropletSize,
  type RowSource,
  type SourcedPriceRow,
} from "./catalog";
export { estimateResource, estimateStack, FREE_RESOURCE_TYPES, unknownDropletSize, type StackEstimate, type StackResource } from "./estimate";
export { estimateFunctionsUsage, type FunctionsUsageEstimate, type FunctionsWorkload } from "./functions-usage";
export { dropletCostForHoursUsd, dropletMonthlyCapHours } from "./droplet-billing";
