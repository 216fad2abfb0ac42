"""The Streamlit app's pages besides the chat (app.py builds the navigation and runs them)."""
