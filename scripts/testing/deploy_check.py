#!/usr/bin/env python3
"""Helpers for DeployTests: the deploy/ examples cannot run here (no Docker
engine, no cluster, no AWS account), so they are parsed and their calls
checked by the tools that would read them.

usage: deploy_check.py yaml FILE       the YAML documents of FILE as one JSON array
       deploy_check.py aws ARGS...     the AWS CLI itself (awscli's driver), with
                                       every AWS Batch call answered here once
                                       botocore has validated its parameters
                                       against the Batch service model; each call
                                       is appended to $DEPLOY_CHECK_LOG as a JSON
                                       line {"operation", "params"}
"""
import json
import os
import sys


def yaml_documents(path):
    import yaml

    with open(path, encoding="utf-8") as stream:
        print(json.dumps([document for document in yaml.safe_load_all(stream) if document is not None]))


def aws(arguments):
    from awscli.clidriver import create_clidriver
    from botocore.awsrequest import AWSResponse

    calls = {"count": 0}

    def answer(model, params, **_):
        # botocore emits before-call after it has serialized (and so
        # validated) the parameters; a response here means no request is sent.
        calls["count"] += 1
        with open(os.environ["DEPLOY_CHECK_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"operation": model.name, "params": json.loads(params["body"] or b"{}")}) + "\n")
        body = {"jobId": f"job-{os.getpid()}-{calls['count']}", "jobName": "checked",
                "jobArn": "arn:aws:batch:us-west-2:111122223333:job/checked",
                "jobDefinitionName": "checked", "revision": 1,
                "jobDefinitionArn": "arn:aws:batch:us-west-2:111122223333:job-definition/checked:1"}
        return AWSResponse(None, 200, {}, None), body

    # Nothing reaches AWS, but the CLI wants a region and credentials to build its client.
    os.environ.update({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example",
                       "AWS_DEFAULT_REGION": "us-west-2", "AWS_CONFIG_FILE": "/dev/null",
                       "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"})
    os.environ.pop("AWS_PROFILE", None)
    driver = create_clidriver()
    driver.session.register("before-call.batch", answer)
    return driver.main(arguments)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "yaml":
        yaml_documents(sys.argv[2])
        return 0
    if len(sys.argv) >= 2 and sys.argv[1] == "aws":
        return aws(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
