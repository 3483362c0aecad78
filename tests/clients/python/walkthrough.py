#!/usr/bin/env python3
"""The seed walkthrough through a Python client generated from proto/ at run time.

Usage: walkthrough.py <grpc host:port> <api key>

Generates the messages and stubs of proto/ (entitlements.v1 and the vendored google.rpc error
types) with grpcio-tools into a temporary directory, then, against a running server: creates a
feature with integer, boolean and select privileges, a plan, grants the feature on the plan,
upserts a customer (and clears one of its fields with an update mask), subscribes it to the plan,
overrides two privileges on the subscription, and checks the effective entitlements. Then it
decodes one error of each kind from the google.rpc.Status in the `grpc-status-details-bin`
trailer. Exits non-zero with the reason on the first unexpected answer. Codes get a random
suffix, so that it can run twice against the same server.
"""

import secrets
import sys
import tempfile
from pathlib import Path

import grpc
from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parents[3] / "proto"

# The BadRequest field path of the invalid privilege type below (a proto field path from the
# request message). The lead may adjust this one line if the server's naming settles elsewhere.
EXPECTED_INVALID_FIELD = "feature.privileges[0].value_type"


def generate(out_dir: str) -> None:
    """Runs protoc (bundled by grpcio-tools, with the well-known types) over every file of proto/."""
    files = sorted(str(path.relative_to(PROTO_ROOT)) for path in PROTO_ROOT.rglob("*.proto"))
    arguments = ["protoc", f"-I{PROTO_ROOT}", f"-I{Path(protoc.__file__).parent / '_proto'}",
                 f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", *files]
    if protoc.main(arguments) != 0:
        sys.exit("walkthrough: protoc failed (see above)")


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"walkthrough: FAILED: {what}")


def walkthrough(target: str, api_key: str) -> None:
    # Generated modules: importable only once generate() put them on sys.path.
    from google.protobuf import field_mask_pb2, timestamp_pb2
    from google.rpc import error_details_pb2, status_pb2
    from entitlements.v1 import (customer_service_pb2 as customers, customer_service_pb2_grpc,
                                 entitlement_pb2 as entitlement, entitlement_service_pb2 as entitlements,
                                 entitlement_service_pb2_grpc, feature_service_pb2 as features,
                                 feature_service_pb2_grpc, plan_service_pb2 as plans, plan_service_pb2_grpc,
                                 subscription_service_pb2 as subscriptions, subscription_service_pb2_grpc)

    suffix = secrets.token_hex(4)
    auth = (("authorization", f"Bearer {api_key}"),)
    channel = grpc.insecure_channel(target)
    feature_service = feature_service_pb2_grpc.FeatureServiceStub(channel)
    plan_service = plan_service_pb2_grpc.PlanServiceStub(channel)
    entitlement_service = entitlement_service_pb2_grpc.EntitlementServiceStub(channel)
    customer_service = customer_service_pb2_grpc.CustomerServiceStub(channel)
    subscription_service = subscription_service_pb2_grpc.SubscriptionServiceStub(channel)

    # A feature with an integer, a boolean and a select privilege.
    feature_code = f"workspace_{suffix}"
    feature = feature_service.CreateFeature(features.CreateFeatureRequest(feature=features.FeatureCreateInput(
        code=feature_code, name="Workspace",
        privileges=[
            features.PrivilegeInput(code="max_seats", value_type=features.PRIVILEGE_VALUE_TYPE_INTEGER),
            features.PrivilegeInput(code="sso", value_type=features.PRIVILEGE_VALUE_TYPE_BOOLEAN),
            features.PrivilegeInput(code="support", value_type=features.PRIVILEGE_VALUE_TYPE_SELECT,
                                    config=features.PrivilegeConfig(select_options=["email", "phone"])),
        ])), metadata=auth).feature
    check([p.code for p in feature.privileges] == ["max_seats", "sso", "support"], f"privileges of {feature}")

    # A plan granting it: 20 seats, no SSO, email support.
    plan_code = f"startup_{suffix}"
    plan_service.CreatePlan(plans.CreatePlanRequest(plan=plans.PlanInput(
        name="Startup", code=plan_code, interval=plans.PLAN_INTERVAL_MONTHLY, amount_cents=10_000,
        amount_currency="USD", pay_in_advance=True)), metadata=auth)

    def value(privilege_code: str, **kind) -> entitlement.PrivilegeValueEntry:
        return entitlement.PrivilegeValueEntry(privilege_code=privilege_code,
                                               value=entitlement.PrivilegeValueInput(**kind))

    granted = entitlement_service.ReplacePlanEntitlements(entitlements.ReplacePlanEntitlementsRequest(
        plan_code=plan_code,
        entitlements=[entitlement.EntitlementInput(feature_code=feature_code, privileges=[
            value("max_seats", integer_value=20), value("sso", boolean_value=False),
            value("support", string_value="email")])]), metadata=auth).entitlements
    check([e.code for e in granted] == [feature_code], f"plan entitlements {granted}")

    # A customer; then an update mask clears its email and keeps its name.
    customer_id = f"acme_{suffix}"
    customer = customer_service.UpsertCustomer(customers.UpsertCustomerRequest(customer=customers.CustomerInput(
        external_id=customer_id, name="Acme", email="billing@acme.test")), metadata=auth).customer
    check((customer.name, customer.email) == ("Acme", "billing@acme.test"), f"customer {customer}")
    customer = customer_service.UpsertCustomer(customers.UpsertCustomerRequest(
        customer=customers.CustomerInput(external_id=customer_id),
        update_mask=field_mask_pb2.FieldMask(paths=["email"])), metadata=auth).customer
    check(customer.name == "Acme" and not customer.HasField("email"), f"masked upsert {customer}")

    # A subscription that starts now.
    subscription_id = f"sub_{suffix}"
    started = timestamp_pb2.Timestamp()
    started.GetCurrentTime()
    started.nanos = 0
    subscription = subscription_service.CreateSubscription(subscriptions.CreateSubscriptionRequest(
        subscription=subscriptions.CreateSubscriptionInput(
            external_customer_id=customer_id, plan_code=plan_code, external_id=subscription_id,
            subscription_at=started)), metadata=auth).subscription
    check(subscription.status == subscriptions.SUBSCRIPTION_STATUS_ACTIVE, f"status of {subscription}")
    check(subscription.subscription_at == started, f"subscription_at of {subscription}")

    # Overrides: 50 seats and phone support on this subscription; SSO stays the plan's.
    active = subscriptions.SUBSCRIPTION_STATUS_ACTIVE
    entitlement_service.UpdateSubscriptionEntitlements(entitlements.UpdateSubscriptionEntitlementsRequest(
        subscription_external_id=subscription_id, subscription_status=active,
        entitlements=[entitlement.EntitlementInput(feature_code=feature_code, privileges=[
            value("max_seats", integer_value=50), value("support", string_value="phone")])]), metadata=auth)

    effective = entitlement_service.ListSubscriptionEntitlements(entitlements.ListSubscriptionEntitlementsRequest(
        subscription_external_id=subscription_id, subscription_status=active), metadata=auth).entitlements
    check([e.code for e in effective] == [feature_code], f"subscription entitlements {effective}")
    privileges = {p.code: p for p in effective[0].privileges}
    seats, sso, support = privileges["max_seats"], privileges["sso"], privileges["support"]
    check((seats.value.integer_value, seats.plan_value.integer_value, seats.override_value.integer_value)
          == (50, 20, 50), f"max_seats: the override wins over the plan: {seats}")
    check(sso.value.WhichOneof("kind") == "boolean_value" and not sso.value.boolean_value
          and not sso.HasField("override_value"), f"sso: the plan's value applies: {sso}")
    check((support.value.select_value, support.plan_value.select_value) == ("phone", "email"),
          f"support: the override wins over the plan: {support}")
    print(f"walkthrough: {feature_code} on {plan_code}, {subscription_id} overrides max_seats=50, support=phone")

    # Errors, each decoded from the google.rpc.Status in the grpc-status-details-bin trailer.
    def failure(call, request, metadata=auth):
        try:
            call(request, metadata=metadata)
        except grpc.RpcError as error:
            raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
            check(raw is not None, f"{error.code()} carries grpc-status-details-bin")
            return error.code(), status_pb2.Status.FromString(raw)
        sys.exit(f"walkthrough: FAILED: {request} succeeded")

    def detail(status, message_type):
        for packed in status.details:
            if packed.Is(message_type.DESCRIPTOR):
                unpacked = message_type()
                packed.Unpack(unpacked)
                return unpacked
        sys.exit(f"walkthrough: FAILED: no {message_type.DESCRIPTOR.full_name} in {status}")

    missing = f"missing_{suffix}"
    code, status = failure(feature_service.GetFeature, features.GetFeatureRequest(code=missing))
    resource = detail(status, error_details_pb2.ResourceInfo)
    check(code == grpc.StatusCode.NOT_FOUND and status.code == code.value[0], f"not found: {code} {status}")
    check((resource.resource_type, resource.resource_name) == ("feature", missing), f"ResourceInfo {resource}")
    check(detail(status, error_details_pb2.ErrorInfo).reason == "feature_not_found", f"ErrorInfo of {status}")

    invalid = features.CreateFeatureRequest(feature=features.FeatureCreateInput(
        code=f"invalid_{suffix}", privileges=[features.PrivilegeInput(
            code="broken", value_type=features.PRIVILEGE_VALUE_TYPE_UNSPECIFIED)]))
    code, status = failure(feature_service.CreateFeature, invalid)
    violations = detail(status, error_details_pb2.BadRequest).field_violations
    check(code == grpc.StatusCode.INVALID_ARGUMENT and len(violations) > 0, f"invalid argument: {code} {status}")
    check(all(v.field and v.reason for v in violations), f"each violation has a field and a reason: {violations}")
    check(EXPECTED_INVALID_FIELD in [v.field for v in violations], f"{EXPECTED_INVALID_FIELD} in {violations}")

    wrong_key = (("authorization", "Bearer not-a-key"),)
    code, status = failure(feature_service.GetFeature, features.GetFeatureRequest(code=feature_code), wrong_key)
    check(code == grpc.StatusCode.UNAUTHENTICATED, f"unauthenticated: {code} {status}")
    check(detail(status, error_details_pb2.ErrorInfo).reason == "unauthorized", f"ErrorInfo of {status}")
    print("walkthrough: NOT_FOUND (ResourceInfo), INVALID_ARGUMENT (BadRequest) and UNAUTHENTICATED decoded")
    channel.close()


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="entitlements-python-client-") as generated:
        generate(generated)
        sys.path.insert(0, generated)
        walkthrough(sys.argv[1], sys.argv[2])
    print("walkthrough: python client OK")


if __name__ == "__main__":
    main()
