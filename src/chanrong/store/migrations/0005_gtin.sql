-- 0005: products may carry their GS1 GTIN, so a GS1 Digital Link resolves to them.
ALTER TABLE items ADD COLUMN gtin VARCHAR;
