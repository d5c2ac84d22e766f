"""HTTP routers, one per concern; ``pii_guard.api.app`` mounts them."""
