"""The pipeline: steps (shared by the local runner and the Lambdas), schedule, runner."""
