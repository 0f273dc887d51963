"""HTTP glue shared by the feature blueprints; no business rules live here."""
