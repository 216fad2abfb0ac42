"""The LLM answerer's prompts, shipped as package data (``importlib.resources.files("prompts")``)."""
