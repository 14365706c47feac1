"""Checks every deploy template as AWS's own tools would, offline: each SAM template is
transformed by aws-sam-translator (the library behind AWS::Serverless-2016-10-31) for
every combination of its parameters' values, and the template and each result are linted
with cfn-lint; the Terraform file is parsed and must declare the same kinds of resource.
Run by scripts/check-templates (which installs the tools); exit status 1 names the file,
the parameters and the error.
"""
import copy
import logging
import itertools
import json
import os
import pathlib
import sys

# The translator builds ARNs for a Region; no AWS call is made. Its metrics warnings
# ("unpublished metrics") are not about the template.
logging.disable(logging.WARNING)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import hcl2
from cfnlint import api as cfnlint_api
from cfnlint.api import ManualArgs
from cfnlint import decode
from samtranslator.translator.transform import transform

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    pathlib.Path(p) for p in sys.argv[1:]
) or sorted(ROOT.glob("assets/*/template*.yaml"))

# Values to try per parameter type where no AllowedValues list them: each end of the
# range the template allows, and one value inside it.
def values(name, spec):
    if "AllowedValues" in spec:
        return list(spec["AllowedValues"])
    default = spec.get("Default")
    if spec.get("Type") == "Number":
        lo = spec.get("MinValue", default)
        picks = {default, lo}
        if name.startswith("Provisioned"):
            picks.add(5)
        if name.startswith("Reserved"):
            picks.add(50)
        if "MaxValue" in spec:
            picks.add(spec["MaxValue"])
        return sorted(int(p) for p in picks if p is not None)
    return [default]


class NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only when a template names one by
    its short name; these templates do not, so any question is a template change."""

    def load(self):
        return {}


def lint(name, text_or_dict):
    # One Region, as `cfn-lint FILE` does by default: lint_all would ask every Region
    # for every resource type, and function URLs do not exist everywhere.
    matches = cfnlint_api.lint(
        text_or_dict if isinstance(text_or_dict, str) else json.dumps(text_or_dict),
        config=ManualArgs(regions=["us-east-1"]),
    )
    errors = [m for m in matches if m.rule.id[0] in "EW"]
    return [f"{name}: {m.rule.id} {m.message} (line {m.linenumber})" for m in errors]


def check_sam(path):
    problems = []
    text = path.read_text()
    problems += lint(path.name, text)
    template, decode_errors = decode.decode_str(text)
    if decode_errors:
        return problems + [f"{path.name}: {e}" for e in decode_errors], set()
    params = template.get("Parameters", {})
    names = list(params)
    combos = list(itertools.product(*(values(n, params[n]) for n in names)))
    # `sam deploy` uploads each local CodeUri and puts its S3 address in its place before
    # CloudFormation runs the transform: do the same.
    for name, res in template.get("Resources", {}).items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and not str(props.get("CodeUri", "s3://")).startswith("s3://"):
            props["CodeUri"] = f"s3://thaw-check/{path.stem}/{name}.zip"
    kinds = set()
    for combo in combos:
        given = dict(zip(names, combo))
        shown = " ".join(f"{k}={v}" for k, v in given.items())
        try:
            out = transform(copy.deepcopy(json.loads(json.dumps(template))), given, NoManagedPolicies())
        except Exception as e:  # the translator's own error types vary by version
            problems.append(f"{path.name} with {shown}: SAM transform failed: {e}")
            continue
        kinds |= {r["Type"] for r in out.get("Resources", {}).values()}
        problems += lint(f"{path.name} (transformed, {shown})", out)
    print(f"check-templates: {path}: {len(combos)} parameter combinations transformed and linted")
    return problems, kinds


# What the Terraform file must declare for each CloudFormation kind the SAM templates make.
TERRAFORM_FOR = {
    "AWS::Lambda::Function": "aws_lambda_function",
    "AWS::Lambda::Url": "aws_lambda_function_url",
    "AWS::Lambda::Alias": "aws_lambda_alias",
    "AWS::ApiGateway::RestApi": "aws_api_gateway_rest_api",
    "AWS::ApiGateway::Stage": "aws_api_gateway_stage",
    "AWS::ApiGateway::Deployment": "aws_api_gateway_deployment",
    "AWS::Lambda::Permission": "aws_lambda_permission",
    "AWS::IAM::Role": "aws_iam_role",
}


def check_terraform(path, kinds):
    with path.open() as f:
        parsed = hcl2.load(f)
    declared = set()
    for block in parsed.get("resource", []):
        declared |= {k.strip('"') for k in block}
    missing = sorted(
        TERRAFORM_FOR[k] for k in kinds if k in TERRAFORM_FOR and TERRAFORM_FOR[k] not in declared
    )
    print(f"check-templates: {path}: {len(declared)} resource kinds declared")
    return [f"{path.name}: declares no {m} (the SAM templates make one)" for m in missing]


def main():
    if not TEMPLATES:
        sys.exit("check-templates: no assets/*/template*.yaml found")
    # Each asset's Terraform is held to what its own SAM templates make.
    problems, kinds = [], {}
    for path in TEMPLATES:
        p, k = check_sam(path)
        problems += p
        kinds.setdefault(path.resolve().parent, set()).update(k)
    for tf in sorted(ROOT.glob("assets/*/terraform/*.tf")):
        problems += check_terraform(tf, kinds.get(tf.resolve().parent.parent, set()))
    for p in problems:
        print(p)
    if problems:
        sys.exit(f"check-templates: {len(problems)} problem(s); a template that fails here fails to deploy")
    print("check-templates: every template transforms and lints clean")


main()
