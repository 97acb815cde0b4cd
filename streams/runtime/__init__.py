"""The local runtime: one asyncio process runs every stage (see docs/architecture.md)."""
