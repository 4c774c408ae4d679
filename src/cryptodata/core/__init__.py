"""Provider-independent building blocks: errors, time, intervals, schemas, tables, transport."""
