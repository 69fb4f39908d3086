import { ResourceValidationPolicy } from "@pulumi/policy";
import { DO_TAG_MAX_LENGTH, invalidTags } from "../core/tags";
import { describeResource, isDigitalOceanType, knownInputs, readTags, TagInput } from "./support";

// Where tag names appear in DigitalOcean inputs besides a top-level `tags` list.
const TAG_NAME_TYPE = "digitalocean:index/tag:Tag";
const KUBERNETES_CLUSTER_TYPE = "digitalocean:index/kubernetesCluster:KubernetesCluster";

/**
 * Every tag on a DigitalOcean resource matches DigitalOcean's tag name rules, so the deploy does
 * not fail half-way with a 422 from the API.
 */
export const doResourceTagFormat: ResourceValidationPolicy = {
  name: "do-resource-tag-format",
  description: `Every DigitalOcean tag matches ^[a-zA-Z0-9_\\-:]+$ and is at most ${DO_TAG_MAX_LENGTH} characters, as the API requires.`,
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!isDigitalOceanType(args.type)) return;
    // Unknown tags cannot be checked until deploy; the known ones can be checked now. Only the
    // tag inputs are read: copying all inputs out of the SDK's proxy is the costly part.
    const tagLists: TagInput[] = [readTags(args.props, "tags")];
    if (args.type === TAG_NAME_TYPE) {
      const { name } = knownInputs(args.props).inputs;
      if (typeof name === "string") tagLists.push({ tags: [name], anyUnknown: false });
    }
    if (args.type === KUBERNETES_CLUSTER_TYPE) {
      const { nodePool } = knownInputs(args.props).inputs;
      if (typeof nodePool === "object" && nodePool !== null) tagLists.push(readTags(nodePool, "tags", "nodePool.tags"));
    }
    const problems = tagLists.flatMap((input) => (input.malformed ? [input.malformed] : invalidTags(input.tags).map(({ tag, reason }) => `${JSON.stringify(tag)} ${reason}`)));
    if (problems.length === 0) return;
    reportViolation(
      `${describeResource(args.type, args.name)} has tags DigitalOcean will reject: ${problems.join("; ")}. ` +
        `Fix: use only letters, digits, "_", "-" and ":" (e.g. "env:prod-eu", not "env:prod eu"), at most ${DO_TAG_MAX_LENGTH} characters.`,
    );
  },
};
