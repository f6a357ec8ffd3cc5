"""The offline stack: what the synthesized CDK template declares, on local servers.

``synth`` makes (and caches) the template; ``provision`` creates its resources on moto;
``stack_model`` reads its functions, queue trigger and API for the worker and the dev
server; ``servers`` starts moto, cosmosdb-server and the Vision stand-in, each able to
restart with its data. ``tricloud demo`` and the integration tests run the real Lambda
handlers against it. Nothing here is deployed, and the Lambda code never imports it.
"""
