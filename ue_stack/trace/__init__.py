"""ue-stack/trace v1 (FORMATS.md section 1): loading, writing and replaying traces."""
