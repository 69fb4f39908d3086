import { digitalOceanClientFromEnvironment, readDigitalOceanCredentials } from "../../../../functions/deploy/providers/credentials";
import { OpenWhiskClient } from "../../../../functions/deploy/providers/openwhisk";

describe("readDigitalOceanCredentials", () => {
  it("reads the token and the optional API URL", () => {
    expect(readDigitalOceanCredentials({ DIGITALOCEAN_TOKEN: " dop_v1_abc " })).toEqual({ token: "dop_v1_abc", apiUrl: undefined });
    expect(readDigitalOceanCredentials({ DIGITALOCEAN_TOKEN: "t", DIGITALOCEAN_API_URL: "http://127.0.0.1:9" })).toEqual({ token: "t", apiUrl: "http://127.0.0.1:9" });
  });

  it.each([
    [{}, /^DIGITALOCEAN_TOKEN is not set/],
    [{ DIGITALOCEAN_TOKEN: "   " }, /^DIGITALOCEAN_TOKEN is not set/],
    [{ DIGITALOCEAN_TOKEN: "dop_v1_secret", DIGITALOCEAN_API_URL: "api.example" }, /^DIGITALOCEAN_API_URL must be an absolute URL \(got "api.example"\)/],
  ])("rejects %j naming the variable, never the token", (env, message) => {
    let thrown = "";
    try {
      digitalOceanClientFromEnvironment(env);
    } catch (error) {
      thrown = (error as Error).message;
    }
    expect(thrown).toMatch(message);
    expect(thrown).not.toContain("dop_v1_secret");
  });
});

describe("OpenWhiskClient", () => {
  const credentials = { namespace: "fn-1", uuid: "u", key: "k3y" };
  it.each([
    ["https://faas-fra1-1.doserverless.co", true],
    ["http://127.0.0.1:8080", true],
    ["http://faas-fra1-1.doserverless.co", false],
  ])("apiHost %s accepted: %s (the key never travels in the clear)", (apiHost, accepted) => {
    const build = () => new OpenWhiskClient({ ...credentials, apiHost });
    if (accepted) expect(build).not.toThrow();
    else expect(build).toThrow(/OpenWhisk apiHost must use https \(got http:\/\/faas-fra1-1.doserverless.co\)/);
  });

  it("builds DigitalOcean's web action URL with each segment encoded", () => {
    const client = new OpenWhiskClient({ ...credentials, apiHost: "https://faas-fra1-1.doserverless.co" });
    expect(client.webActionUrl("tracker", "dash board")).toBe("https://faas-fra1-1.doserverless.co/api/v1/web/fn-1/tracker/dash%20board");
  });
});
