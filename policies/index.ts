import { PolicyPack } from "@pulumi/policy";
import { policies } from "./registry";

new PolicyPack("do-cost-guard", {
  description: "Prices DigitalOcean Pulumi programs before deploy and blocks untagged or over-budget stacks.",
  policies,
});
