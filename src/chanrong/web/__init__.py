"""The web edge: FastAPI routers (api/) and server-rendered pages (pages/). No business logic."""
