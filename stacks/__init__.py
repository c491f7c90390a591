"""The OmniGen CDK app: one construct per concern; `omnigen_stack.OmniGenStack` composes them."""
