// Lago's own JavaScript client (the npm package `lago-javascript-client`) against a running
// server's REST gateway: it creates a webhook endpoint, finds it in the list and by id, is told
// the URL is taken on a second create, fetches the public key both ways (Lago's Base64 of a PEM,
// which must decode to an RSA public key) and deletes the endpoint. Run it with
// ./run-lago-webhooks <http base url> <api key>.

import { createPublicKey, randomBytes } from "node:crypto";
import { Client, getLagoError } from "lago-javascript-client";

class ScenarioFailure extends Error {}

function check(condition: boolean, what: string): void {
  if (!condition) throw new ScenarioFailure(what);
}

async function main(): Promise<void> {
  const [baseUrl, apiKey] = process.argv.slice(2);
  if (!baseUrl || !apiKey) throw new ScenarioFailure("usage: lago_webhooks.ts <http base url> <api key>");
  const client = Client(apiKey, { baseUrl: `${baseUrl}/api/v1` });
  const url = `https://hooks.example.com/lago-${randomBytes(4).toString("hex")}`;

  const { data: created } = await client.webhookEndpoints.createWebhookEndpoint({
    webhook_endpoint: { webhook_url: url, signature_algo: "hmac", name: "js", event_types: [" Plan.Updated", "feature.created"] },
  });
  const endpoint = created.webhook_endpoint;
  check(endpoint.webhook_url === url, `created url ${endpoint.webhook_url}`);
  check(endpoint.signature_algo === "hmac", `created signature_algo ${endpoint.signature_algo}`);
  check(
    JSON.stringify(endpoint.event_types) === JSON.stringify(["plan.updated", "feature.created"]),
    `normalized event_types ${JSON.stringify(endpoint.event_types)}`,
  );
  console.log(`created webhook endpoint ${endpoint.lago_id}`);

  const { data: listed } = await client.webhookEndpoints.findAllWebhookEndpoints({ page: 1, per_page: 100 });
  check(
    listed.webhook_endpoints.some((listedEndpoint) => listedEndpoint.lago_id === endpoint.lago_id),
    "the list holds the endpoint",
  );
  check(listed.meta.total_count >= 1, `meta ${JSON.stringify(listed.meta)}`);
  const { data: found } = await client.webhookEndpoints.findWebhookEndpoint(endpoint.lago_id);
  check(found.webhook_endpoint.webhook_url === url, "found by lago_id");

  try {
    await client.webhookEndpoints.createWebhookEndpoint({ webhook_endpoint: { webhook_url: url } });
    throw new ScenarioFailure("a second create with the same URL succeeded");
  } catch (error) {
    if (error instanceof ScenarioFailure) throw error;
    const lagoError = (await getLagoError(error)) as { status?: number; error_details?: Record<string, string[]> };
    check(lagoError.status === 422, `duplicate status ${JSON.stringify(lagoError)}`);
    check(lagoError.error_details?.webhook_url?.[0] === "value_already_exist", `duplicate ${JSON.stringify(lagoError)}`);
  }

  const { data: text } = await client.webhooks.fetchPublicKey();
  const pem = Buffer.from(text, "base64").toString("utf8");
  check(pem.startsWith("-----BEGIN PUBLIC KEY-----"), `public key PEM ${pem}`);
  check(createPublicKey(pem).asymmetricKeyType === "rsa", "an RSA public key");
  const { data: json } = await client.webhooks.fetchJsonPublicKey();
  check(json.webhook.public_key === text, "the JSON public key is the text one");
  console.log("fetched the public key (RSA)");

  const { data: deleted } = await client.webhookEndpoints.destroyWebhookEndpoint(endpoint.lago_id);
  check(deleted.webhook_endpoint.lago_id === endpoint.lago_id, "deleted the endpoint");
  console.log("lago-javascript-client webhook scenario passed");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
