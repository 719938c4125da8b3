"""Seeds a moto server with what an `aws` Hangar environment needs: a preparation instance,
a support server, a launch template with a few versions, and an Auto Scaling group using it.

    .hangar/moto-venv/bin/python deploy/moto/seed.py --endpoint http://127.0.0.1:5000 \
        [--region us-east-1] [--name demo] [--instances 3] [--versions 3] [--target-group]

With --target-group, the group registers its instances with an Elastic Load Balancing target
group (in the default VPC), as a group behind a load balancer does.

Prints the ids as one JSON object (the target settings of the environment plus a few facts).
Uses boto3, which comes with moto[server]; any credentials do for moto.
"""
import argparse
import json
import os

import boto3

parser = argparse.ArgumentParser()
parser.add_argument("--endpoint", required=True)
parser.add_argument("--region", default="us-east-1")
parser.add_argument("--name", default="demo")
parser.add_argument("--instances", type=int, default=3)
parser.add_argument("--versions", type=int, default=3)
parser.add_argument("--target-group", action="store_true")
args = parser.parse_args()

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
session = boto3.session.Session(region_name=args.region)
ec2 = session.client("ec2", endpoint_url=args.endpoint)
autoscaling = session.client("autoscaling", endpoint_url=args.endpoint)

base_image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def run(name, tags):
    tag_list = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in tags.items()]
    reservation = ec2.run_instances(
        ImageId=base_image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list}])
    return reservation["Instances"][0]["InstanceId"]


preparation = run(f"{args.name}-preparation", {"hangar:role": "preparation"})
support = run(f"{args.name}-license", {"hangar:role": "support"})

template_name = f"{args.name}-model"
template = ec2.create_launch_template(
    LaunchTemplateName=template_name,
    LaunchTemplateData={"ImageId": base_image, "InstanceType": "t3.micro"})["LaunchTemplate"]
template_id = template["LaunchTemplateId"]
for version in range(2, args.versions + 1):
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, VersionDescription=f"seed version {version}",
        LaunchTemplateData={"ImageId": base_image, "InstanceType": "t3.micro"})
ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion=str(args.versions))

target_groups = []
if args.target_group:
    elbv2 = session.client("elbv2", endpoint_url=args.endpoint)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    target_groups.append(elbv2.create_target_group(
        Name=f"{args.name}-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance")["TargetGroups"][0]["TargetGroupArn"])

group_name = f"{args.name}-group"
autoscaling.create_auto_scaling_group(
    AutoScalingGroupName=group_name,
    LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Default"},
    MinSize=0, MaxSize=args.instances * 2, DesiredCapacity=args.instances,
    AvailabilityZones=[f"{args.region}a"], TargetGroupARNs=target_groups)

print(json.dumps({
    "region": args.region,
    "preparationInstanceId": preparation,
    "launchTemplateId": template_id,
    "autoScalingGroupName": group_name,
    "supportServerTag": "hangar:role=support",
    "supportInstanceId": support,
    "baseImageId": base_image,
    **({"targetGroupArn": target_groups[0]} if target_groups else {}),
}))
