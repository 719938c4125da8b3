"""Counts the cloud effects of deployments on a moto server (run with moto's venv: boto3 comes
with moto[server]): for each deployment, the images tagged with it and the launch template
versions that name it, as the AWS provider makes them (one each for a deployment that
succeeded, however often its steps were run again).

    <moto-venv>/bin/python deploy/cluster/effects.py --endpoint http://127.0.0.1:27070 < deployments.json

Reads {"<deployment id>": "<launch template id>", ...} on standard input; prints
{"<deployment id>": {"images": N, "models": M}, ...}.
"""
import argparse
import json
import os
import sys

import boto3

parser = argparse.ArgumentParser()
parser.add_argument("--endpoint", required=True)
parser.add_argument("--region", default="us-east-1")
args = parser.parse_args()
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
ec2 = boto3.session.Session(region_name=args.region).client("ec2", endpoint_url=args.endpoint)

deployments = json.load(sys.stdin)
versions = {}
for template in set(deployments.values()):
    pages = ec2.get_paginator("describe_launch_template_versions").paginate(LaunchTemplateId=template)
    versions[template] = [v for page in pages for v in page["LaunchTemplateVersions"]]

counts = {}
for deployment, template in deployments.items():
    images = ec2.describe_images(Filters=[{"Name": "tag:hangar:deployment", "Values": [deployment]}])["Images"]
    models = [v for v in versions[template] if "hangar:%s" % deployment in (v.get("VersionDescription") or "")]
    counts[deployment] = {"images": len(images), "models": len(models)}
json.dump(counts, sys.stdout)
