"""ue-stack/trace v1 (docs/trace-format.md): loading, writing and replaying traces."""
