// The seed walkthrough through a TypeScript client generated from proto/ (protoc-gen-es, with
// Connect's clients), run twice against a running server: over gRPC (HTTP/2) and over gRPC-Web
// (HTTP/1.1), with the same generated code. Run it with ./run, which generates the code next to
// a copy of this file; usage: run <grpc host:port> <api key>.
//
// Each run creates a feature with integer, boolean and select privileges, a plan, grants the
// feature on the plan, upserts a customer (and clears one of its fields with an update mask),
// subscribes it to the plan, overrides two privileges on the subscription, checks the effective
// entitlements, and decodes one error of each kind from the google.rpc.Status in the
// `grpc-status-details-bin` trailer. Codes get a random suffix, so that runs do not collide.

import { randomBytes } from "node:crypto";
import { type DescMessage, type MessageShape, fromBinary } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { anyIs, anyUnpack, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError, type Interceptor, type Transport, createClient } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";

import { CustomerService } from "./gen/entitlements/v1/customer_service_pb";
import { EntitlementService } from "./gen/entitlements/v1/entitlement_service_pb";
import { FeatureService, PrivilegeValueType } from "./gen/entitlements/v1/feature_service_pb";
import { PlanInterval, PlanService } from "./gen/entitlements/v1/plan_service_pb";
import { SubscriptionService, SubscriptionStatus } from "./gen/entitlements/v1/subscription_service_pb";
import { BadRequestSchema, ErrorInfoSchema, ResourceInfoSchema } from "./gen/google/rpc/error_details_pb";
import { type Status, StatusSchema } from "./gen/google/rpc/status_pb";

// The BadRequest field path of the invalid privilege type below (a proto field path from the
// request message). The lead may adjust this one line if the server's naming settles elsewhere.
const EXPECTED_INVALID_FIELD = "feature.privileges[0].value_type";

class WalkthroughFailure extends Error {}

function check(condition: boolean, what: string): void {
  if (!condition) throw new WalkthroughFailure(what);
}

const show = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v));

// Adds the API key to every call, as `authorization: Bearer <key>` metadata.
const bearer =
  (key: string): Interceptor =>
  (next) =>
  (request) => {
    request.header.set("authorization", `Bearer ${key}`);
    return next(request);
  };

type Connect = (interceptors: Interceptor[]) => Transport;

async function walkthrough(protocol: string, connect: Connect, apiKey: string): Promise<void> {
  const transport = connect([bearer(apiKey)]);
  const features = createClient(FeatureService, transport);
  const plans = createClient(PlanService, transport);
  const entitlements = createClient(EntitlementService, transport);
  const customers = createClient(CustomerService, transport);
  const subscriptions = createClient(SubscriptionService, transport);
  const suffix = randomBytes(4).toString("hex");

  // A feature with an integer, a boolean and a select privilege.
  const featureCode = `workspace_${suffix}`;
  const { feature } = await features.createFeature({
    feature: {
      code: featureCode,
      name: "Workspace",
      privileges: [
        { code: "max_seats", valueType: PrivilegeValueType.INTEGER },
        { code: "sso", valueType: PrivilegeValueType.BOOLEAN },
        { code: "support", valueType: PrivilegeValueType.SELECT, config: { selectOptions: ["email", "phone"] } },
      ],
    },
  });
  check(show(feature?.privileges.map((p) => p.code)) === show(["max_seats", "sso", "support"]), show(feature));

  // A plan granting it: 20 seats, no SSO, email support.
  const planCode = `startup_${suffix}`;
  await plans.createPlan({
    plan: {
      name: "Startup",
      code: planCode,
      interval: PlanInterval.MONTHLY,
      amountCents: 10_000n,
      amountCurrency: "USD",
      payInAdvance: true,
    },
  });
  const integer = (privilegeCode: string, value: bigint) =>
    ({ privilegeCode, value: { kind: { case: "integerValue", value } } }) as const;
  const text = (privilegeCode: string, value: string) =>
    ({ privilegeCode, value: { kind: { case: "stringValue", value } } }) as const;
  const granted = await entitlements.replacePlanEntitlements({
    planCode,
    entitlements: [
      {
        featureCode,
        privileges: [
          integer("max_seats", 20n),
          { privilegeCode: "sso", value: { kind: { case: "booleanValue", value: false } } },
          text("support", "email"),
        ],
      },
    ],
  });
  check(show(granted.entitlements.map((e) => e.code)) === show([featureCode]), show(granted));

  // A customer; then an update mask clears its email and keeps its name.
  const externalCustomerId = `acme_${suffix}`;
  const created = await customers.upsertCustomer({
    customer: { externalId: externalCustomerId, name: "Acme", email: "billing@acme.test" },
  });
  check(created.customer?.name === "Acme" && created.customer.email === "billing@acme.test", show(created));
  const masked = await customers.upsertCustomer({
    customer: { externalId: externalCustomerId },
    updateMask: { paths: ["email"] },
  });
  check(masked.customer?.name === "Acme" && masked.customer.email === undefined, `masked upsert ${show(masked)}`);

  // A subscription that starts now (whole seconds, so that it reads back equal).
  const subscriptionId = `sub_${suffix}`;
  const startedAt = timestampFromDate(new Date(Math.floor(Date.now() / 1000) * 1000));
  const { subscription } = await subscriptions.createSubscription({
    subscription: { externalCustomerId, planCode, externalId: subscriptionId, subscriptionAt: startedAt },
  });
  check(subscription?.status === SubscriptionStatus.ACTIVE, `status of ${show(subscription)}`);
  check(subscription?.subscriptionAt?.seconds === startedAt.seconds, `subscription_at of ${show(subscription)}`);

  // Overrides: 50 seats and phone support on this subscription; SSO stays the plan's.
  await entitlements.updateSubscriptionEntitlements({
    subscriptionExternalId: subscriptionId,
    subscriptionStatus: SubscriptionStatus.ACTIVE,
    entitlements: [{ featureCode, privileges: [integer("max_seats", 50n), text("support", "phone")] }],
  });
  const effective = await entitlements.listSubscriptionEntitlements({
    subscriptionExternalId: subscriptionId,
    subscriptionStatus: SubscriptionStatus.ACTIVE,
  });
  check(show(effective.entitlements.map((e) => e.code)) === show([featureCode]), show(effective));
  const privilege = (code: string) => {
    const found = effective.entitlements[0].privileges.find((p) => p.code === code);
    check(found !== undefined, `${code} in ${show(effective)}`);
    return found!;
  };
  const [seats, sso, support] = [privilege("max_seats"), privilege("sso"), privilege("support")];
  check(
    show([seats.value?.kind, seats.planValue?.kind, seats.overrideValue?.kind]) ===
      show([50n, 20n, 50n].map((value) => ({ case: "integerValue", value }))),
    `max_seats: the override wins over the plan: ${show(seats)}`,
  );
  check(
    show(sso.value?.kind) === show({ case: "booleanValue", value: false }) && sso.overrideValue === undefined,
    `sso: the plan's value applies: ${show(sso)}`,
  );
  check(
    support.value?.kind.value === "phone" && support.planValue?.kind.value === "email",
    `support: the override wins over the plan: ${show(support)}`,
  );
  console.log(`walkthrough (${protocol}): ${featureCode} on ${planCode}, ${subscriptionId} overrides max_seats=50`);

  await decodeErrors(features, connect([bearer("not-a-key")]), suffix);
  console.log(`walkthrough (${protocol}): NOT_FOUND, INVALID_ARGUMENT and UNAUTHENTICATED decoded`);
}

// One error of each kind, decoded from the google.rpc.Status in grpc-status-details-bin.
async function decodeErrors(features: Client<typeof FeatureService>, wrongKey: Transport, suffix: string) {
  const missing = `missing_${suffix}`;
  const [notFound, notFoundStatus] = await failure(() => features.getFeature({ code: missing }));
  const resource = detail(notFoundStatus, ResourceInfoSchema);
  check(notFound === Code.NotFound && notFoundStatus.code === Code.NotFound, show(notFoundStatus));
  check(resource.resourceType === "feature" && resource.resourceName === missing, `ResourceInfo ${show(resource)}`);
  check(detail(notFoundStatus, ErrorInfoSchema).reason === "feature_not_found", show(notFoundStatus));

  const [invalid, invalidStatus] = await failure(() =>
    features.createFeature({
      feature: {
        code: `invalid_${suffix}`,
        privileges: [{ code: "broken", valueType: PrivilegeValueType.UNSPECIFIED }],
      },
    }),
  );
  const violations = detail(invalidStatus, BadRequestSchema).fieldViolations;
  check(invalid === Code.InvalidArgument && violations.length > 0, show(invalidStatus));
  check(violations.every((v) => v.field !== "" && v.reason !== ""), `field and reason: ${show(violations)}`);
  check(violations.some((v) => v.field === EXPECTED_INVALID_FIELD), `${EXPECTED_INVALID_FIELD} in ${show(violations)}`);

  const outsider = createClient(FeatureService, wrongKey);
  const [unauthenticated, unauthenticatedStatus] = await failure(() => outsider.getFeature({ code: missing }));
  check(unauthenticated === Code.Unauthenticated, show(unauthenticatedStatus));
  check(detail(unauthenticatedStatus, ErrorInfoSchema).reason === "unauthorized", show(unauthenticatedStatus));
}

// Runs a call that must fail; answers its code and the Status of its grpc-status-details-bin.
async function failure(call: () => Promise<unknown>): Promise<[Code, Status]> {
  try {
    await call();
  } catch (error) {
    const connectError = ConnectError.from(error);
    const raw = connectError.metadata.get("grpc-status-details-bin");
    check(raw !== null, `${Code[connectError.code]} carries grpc-status-details-bin`);
    return [connectError.code, fromBinary(StatusSchema, base64Decode(raw!))];
  }
  throw new WalkthroughFailure("the call succeeded");
}

function detail<Desc extends DescMessage>(status: Status, schema: Desc): MessageShape<Desc> {
  const unpacked = status.details.filter((any) => anyIs(any, schema)).map((any) => anyUnpack(any, schema));
  check(unpacked[0] !== undefined, `no ${schema.typeName} in ${show(status)}`);
  return unpacked[0]!;
}

async function main(): Promise<void> {
  const [target, apiKey] = process.argv.slice(2);
  if (!target || !apiKey) throw new WalkthroughFailure("usage: run <grpc host:port> <api key>");
  const baseUrl = `http://${target}`;
  await walkthrough("gRPC", (interceptors) => createGrpcTransport({ baseUrl, interceptors }), apiKey);
  await walkthrough(
    "gRPC-Web",
    (interceptors) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors }),
    apiKey,
  );
  console.log("walkthrough: typescript client OK");
}

main().catch((error: unknown) => {
  console.error(error instanceof WalkthroughFailure ? `walkthrough: FAILED: ${error.message}` : error);
  process.exit(1);
});
