#!/usr/bin/env python3
"""For .ci/k8s-check: the pod annotations and the ServiceMonitor point Prometheus at the container
port that serves GET /metrics (the one named `http`).

    scrape-target-check.py OVERLAY.yaml OVERLAY-WITH-MONITORING.yaml

The first file is an overlay rendered alone: its pod template must carry prometheus.io/scrape
"true" and prometheus.io/port equal to the `http` container port. The second is the same overlay
with k8s/components/monitoring: the annotation is off there, the ServiceMonitor and PrometheusRule
are in the namespace, and each ServiceMonitor endpoint names exactly one port of the Services it
selects, whose target is the container port `http`. Needs PyYAML (checkov's venv has it)."""

import sys

import yaml


def fail(message: str) -> None:
    sys.exit(f"scrape-target-check: {message}")


def load(path: str) -> list:
    with open(path, encoding="utf-8") as stream:
        return [item for item in yaml.safe_load_all(stream) if item]


def one(items: list, kind: str) -> dict:
    found = [item for item in items if item["kind"] == kind]
    if len(found) != 1:
        fail(f"expected one {kind}, found {len(found)}")
    return found[0]


def main() -> None:
    if len(sys.argv) != 3:
        fail("usage: scrape-target-check.py OVERLAY.yaml OVERLAY-WITH-MONITORING.yaml")
    plain, monitored = load(sys.argv[1]), load(sys.argv[2])

    pod_template = one(plain, "Deployment")["spec"]["template"]
    container = pod_template["spec"]["containers"][0]
    http_ports = [port["containerPort"] for port in container["ports"] if port["name"] == "http"]
    if len(http_ports) != 1:
        fail(f"the container has {len(http_ports)} ports named http")
    annotations = pod_template["metadata"].get("annotations", {})
    scrape = (annotations.get("prometheus.io/scrape"), annotations.get("prometheus.io/port"),
              annotations.get("prometheus.io/path"))
    if scrape != ("true", str(http_ports[0]), "/metrics"):
        fail(f"{sys.argv[1]}: the pod annotations {annotations} do not scrape /metrics on port {http_ports[0]}")

    monitored_annotations = one(monitored, "Deployment")["spec"]["template"]["metadata"].get("annotations", {})
    if monitored_annotations.get("prometheus.io/scrape") != "false":
        fail(f"{sys.argv[2]}: with the monitoring component, prometheus.io/scrape must be \"false\"")
    service_monitor = one(monitored, "ServiceMonitor")
    for item in (service_monitor, one(monitored, "PrometheusRule")):
        if item["metadata"].get("namespace") != "entitlements":
            fail(f"{sys.argv[2]}: the {item['kind']} is not in the namespace entitlements")
    wanted = service_monitor["spec"]["selector"]["matchLabels"].items()
    services = [item for item in monitored
                if item["kind"] == "Service" and wanted <= item["metadata"].get("labels", {}).items()]
    for endpoint in service_monitor["spec"]["endpoints"]:
        targets = [port.get("targetPort") for service in services for port in service["spec"]["ports"]
                   if port.get("name") == endpoint["port"]]
        if targets != ["http"] or endpoint.get("path", "/metrics") != "/metrics":
            fail(f"{sys.argv[2]}: the ServiceMonitor's port {endpoint['port']} must be one Service port "
                 f"targeting the container port http (found {targets}), path /metrics")
    print(f"{sys.argv[2]}: annotations and ServiceMonitor scrape /metrics on container port http ({http_ports[0]})")


if __name__ == "__main__":
    main()
