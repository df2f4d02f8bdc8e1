"""The Streamlit app's pages, one file per page, run by ``st.navigation`` in ``app.py``.

Not named ``pages/``: Streamlit would discover such a folder by itself and add its files
to the navigation a second time. :mod:`app_pages.common` holds what the pages share.
"""
