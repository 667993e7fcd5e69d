"""Date formats of the admin (FORMAT_MODULE_PATH): one format, with seconds, everywhere."""
