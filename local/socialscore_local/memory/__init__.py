"""One in-memory fake per port of pipeline/ports.py, for rules proven fast without AWS (unit
tests), bench and the local runtime: each keeps the port's contract, and the store's contract
tests run against both the fake and its DynamoDB adapter on moto (tests/integration/
test_store_contracts.py), so a rule proven on a fake holds on the table.

post_cache: PostCacheStore. deliveries: DeliveryLog. crm_sync's stores and the CRM are
socialscore_local.crm_memory and crm_memory_crm (to move here with the typed CRM records).
"""
