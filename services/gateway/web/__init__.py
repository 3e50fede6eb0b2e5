"""The gateway's web pages: server-rendered with jinja2 and GOV.UK Frontend (the Design
System's compiled assets, pinned in package.json, and its jinja macros), branded for the
council. They work without JavaScript; the script only enhances."""
