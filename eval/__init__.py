"""Evaluation: known question/answer pairs scored through `Assistant.ask`, the same API the UI uses."""
