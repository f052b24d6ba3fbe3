"""The Streamlit glue the pages share: data access with cache keys, view state in the URL,
the sidebar and small UI pieces. Only ``app.py`` and ``app_pages/`` import it."""
