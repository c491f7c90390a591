"""The error names a pipeline step reports to the workflow engine, and that its Retry and Catch
rules match (stacks/pipeline.py). Plain constants, so the CDK app can read them without
importing the pipeline, boto3 or the Lambda runtime."""

RETRYABLE = "Omnigen.Retryable"
CANCELLED = "Omnigen.Cancelled"
FAILED = "Omnigen.StepFailed"
