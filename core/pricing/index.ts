/** Public API of the pricing engine: the catalog and the estimator every tool shares. */
export * from "./types";
export {
  createPriceCatalog,
  defaultCatalog,
  validatePriceCatalog,
  type AppInstanceSizePrice,
  type DatabaseEnginePrices,
  type DatabaseSizePrice,
  type DropletSizePrice,
  type PriceCatalog,
  type PriceCatalogData,
  type PriceSource,
  type RegistryTierPrice,
} from "./catalog";
export { estimateResource, estimateStack, FREE_RESOURCE_TYPES, type StackEstimate, type StackResource } from "./estimate";
export { estimateFunctionsUsage, type FunctionsUsageEstimate, type FunctionsWorkload } from "./functions-usage";
