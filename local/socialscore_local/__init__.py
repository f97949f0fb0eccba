"""socialscore's docker-free local runtime: the SAM template's resources on moto, in process.

Developer and operator tooling only; nothing here is deployed to Lambda.
"""
