"""Executions of the pipeline's state machine (Step Functions), one per job and named after it,
and the asynchronous invocation of the step function that serves a re-compose outside any
execution: the `Executions` port on AWS. `StepFunctionsTasks` is the `Tasks` port: heartbeats,
success and failure of the `.waitForTaskToken` states the model and media steps run in.

A start that finds the execution already there and a stop that finds none are no-ops, so a
retried API request never starts a job twice nor fails on a job that has already ended.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from omnigen.store.ports import StoreError

CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 5})


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


class StepFunctionsExecutions:
    def __init__(self, state_machine_arn: str, function: str, sfn: Any = None, lambda_client: Any = None):
        if not state_machine_arn or not function:
            raise StoreError("Step Functions executions need OMNIGEN_STATE_MACHINE_ARN and OMNIGEN_MEDIA_FUNCTION")
        self.state_machine_arn = state_machine_arn
        self.function = function
        self.sfn = sfn or boto3.client("stepfunctions", config=CLIENT_CONFIG)
        self.lambda_client = lambda_client or boto3.client("lambda", config=CLIENT_CONFIG)

    def execution_arn(self, name: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"

    def start(self, name: str, payload: dict[str, Any]) -> None:
        try:
            self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload))
        except ClientError as err:
            if _code(err) != "ExecutionAlreadyExists":
                raise StoreError(f"starting the pipeline for {name} failed: Step Functions said {err}") from err
        except BotoCoreError as err:
            raise StoreError(f"starting the pipeline for {name} failed: {err}") from err

    def stop(self, name: str, error: str, cause: str) -> None:
        try:
            self.sfn.stop_execution(executionArn=self.execution_arn(name), error=error, cause=cause)
        except ClientError as err:
            if _code(err) != "ExecutionDoesNotExist":
                raise StoreError(f"stopping the pipeline of {name} failed: Step Functions said {err}") from err
        except BotoCoreError as err:
            raise StoreError(f"stopping the pipeline of {name} failed: {err}") from err

    def invoke(self, event: dict[str, Any]) -> None:
        try:
            self.lambda_client.invoke(FunctionName=self.function, InvocationType="Event", Payload=json.dumps(event))
        except (ClientError, BotoCoreError) as err:
            raise StoreError(f"invoking {self.function} for {event.get('step')} failed: {err}") from err


class StepFunctionsTasks:
    CLOSED = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")
    """A task stopped with its execution (a cancel) or timed out: nobody is waiting any more."""

    def __init__(self, sfn: Any = None):
        self.sfn = sfn or boto3.client("stepfunctions", config=CLIENT_CONFIG)

    def _send(self, what: str, op: str, **kwargs: Any) -> bool:
        try:
            getattr(self.sfn, op)(**kwargs)
        except ClientError as err:
            if _code(err) in self.CLOSED:
                return False
            raise StoreError(f"{what} failed: Step Functions said {err}") from err
        except BotoCoreError as err:
            raise StoreError(f"{what} failed: {err}") from err
        return True

    def heartbeat(self, token: str) -> bool:
        return self._send("a task heartbeat", "send_task_heartbeat", taskToken=token)

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        return self._send("reporting a task's success", "send_task_success", taskToken=token, output=json.dumps(output))

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._send("reporting a task's failure", "send_task_failure", taskToken=token, error=error, cause=cause)
