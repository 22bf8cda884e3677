#!/usr/bin/env python3
"""Checks deploy/kubernetes/jdask.yaml as far as a machine without Kubernetes can: it parses; every object has the
fields the API requires; each Deployment's selector matches its pod labels; the Service selects the scheduler pods and
its target ports are ports the scheduler container names; the workers' scheduler address is that Service; the
credentials come from the one Secret at the path the commands use, with mode 0400; the image is the one Jib builds;
and the commands are ones the jdask command accepts (checked against `jdask scheduler --help` / `worker --help` when a
jdask.jar is given)."""
import subprocess
import sys
import yaml

path = sys.argv[1] if len(sys.argv) > 1 else "deploy/kubernetes/jdask.yaml"
jar = sys.argv[2] if len(sys.argv) > 2 else None
docs = [d for d in yaml.safe_load_all(open(path)) if d]
errors = []


def check(cond, what):
    if not cond:
        errors.append(what)


by_kind = {}
for d in docs:
    for field in ("apiVersion", "kind", "metadata"):
        check(field in d, f"an object lacks {field}: {d}")
    by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d

deployments = by_kind.get("Deployment", {})
services = by_kind.get("Service", {})
check(set(deployments) == {"jdask-scheduler", "jdask-worker"}, f"deployments: {sorted(deployments)}")
check(set(services) == {"jdask-scheduler"}, f"services: {sorted(services)}")

containers = {}
for name, d in deployments.items():
    check(d["apiVersion"] == "apps/v1", f"{name}: apiVersion {d['apiVersion']}")
    spec = d["spec"]
    labels = spec["template"]["metadata"]["labels"]
    selector = spec["selector"]["matchLabels"]
    check(all(labels.get(k) == v for k, v in selector.items()), f"{name}: selector {selector} misses labels {labels}")
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    containers[name] = c
    check(c["image"].startswith("jdask:"), f"{name}: image {c['image']}")
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    cred = volumes.get("credentials", {}).get("secret", {})
    check(cred.get("secretName") == "jdask-credentials", f"{name}: credentials secret {cred}")
    check(cred.get("defaultMode") == 0o400, f"{name}: credentials mode {cred.get('defaultMode')}, want 0400")
    check(mounts.get("credentials", {}).get("mountPath") == "/etc/jdask", f"{name}: credentials mount")
    args = c["args"]
    check(args[args.index("--security") + 1] == "/etc/jdask/cluster.jdask", f"{name}: --security path")
    for m in c["volumeMounts"]:
        check(m["name"] in volumes, f"{name}: mount of unknown volume {m['name']}")

svc = services["jdask-scheduler"]
sched = deployments["jdask-scheduler"]["spec"]["template"]
check(all(sched["metadata"]["labels"].get(k) == v for k, v in svc["spec"]["selector"].items()),
      "the Service does not select the scheduler pods")
named = {p["name"]: p["containerPort"] for p in containers["jdask-scheduler"]["ports"]}
for p in svc["spec"]["ports"]:
    check(p["targetPort"] in named, f"Service port {p['name']}: target {p['targetPort']} not a container port")
sargs = containers["jdask-scheduler"]["args"]
check(int(sargs[sargs.index("--port") + 1]) == named["scheduler"], "scheduler --port differs from its containerPort")
wargs = containers["jdask-worker"]["args"]
check(wargs[0] == "worker" and wargs[1] == f"tls://jdask-scheduler:{named['scheduler']}",
      f"workers join {wargs[1]}, not the Service")

if jar:
    for name, c in containers.items():
        args = c["args"]
        options = {a for a in args if a.startswith("--")}
        help_text = subprocess.run(["java", "-jar", jar, args[0], "--help"], capture_output=True, text=True).stdout
        for o in options:
            check(o in help_text, f"{name}: `jdask {args[0]}` has no option {o}")

if errors:
    print("check-manifests: FAILED\n  " + "\n  ".join(errors))
    sys.exit(1)
print(f"check-manifests: {path}: {len(docs)} objects, consistent"
      + (f"; options checked against {jar}" if jar else ""))
