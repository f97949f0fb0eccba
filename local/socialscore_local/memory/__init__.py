"""One in-memory fake per port of pipeline/ports.py, for rules proven fast without AWS (unit
tests), bench and the local runtime: each keeps the port's contract, and the store's contract
tests run against both the fake and its DynamoDB adapter on moto (tests/integration/
test_store_contracts.py), so a rule proven on a fake holds on the table.

post_cache: PostCacheStore. posts: PostProvider, as X's lookup answers
(test_post_provider_contract.py). short_links: ShortLinkResolver (test_short_link_contract.py).
deliveries: DeliveryLog. sellers: SellerRegistry. bus: EventBus.
identities: IdentityLinks (test_identity_links_contract.py). scores: ScoreStore
(test_score_store_contract.py). ledger: TouchLedger, its aggregates in a MemoryScoreStore, with
complaint_flags (ComplaintFlagStore) and engage (EngageActs, AnswerMarks) over its items
(test_ledger_contract.py). crm_sync's:
sync_state (SyncStateStore), crm (Crm, on each CRM path), crm_reads (what crm_sync reads of the
links, the ledger and the scores), each counting its requests or calls on a simulated clock
(counting).
"""
