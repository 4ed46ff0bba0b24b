-- unified-message-postgres, migration 1: the pins table.
-- `{schema}` is replaced by the store's schema (a validated, quoted identifier).
-- One row per (customer, topic, slot); all four pin fields are compared by the store's
-- compare-and-replace, so they are stored without loss (`version` holds any u32, `at` any i64).
CREATE TABLE IF NOT EXISTS {schema}.pins (
    customer TEXT   NOT NULL,
    topic    TEXT   NOT NULL,
    slot     TEXT   NOT NULL,
    message  TEXT   NOT NULL,
    version  BIGINT NOT NULL CHECK (version BETWEEN 0 AND 4294967295),
    revision TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (customer, topic, slot)
);
