"""The UE's NAS layer (TS 24.501 5GMM) as a synchronous sans-I/O core."""
