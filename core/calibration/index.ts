/** Public API of the calibration: realised unit prices from invoices against the catalog (issue 11). */
export * from "./realised-prices";
export * from "./catalog-proposal";
export * from "./stack-reconciliation";
