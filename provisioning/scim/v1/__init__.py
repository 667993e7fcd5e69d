"""The SCIM 1.1 dialect: 1.1 requests translated into the 2.0 core's terms, and 2.0 answers back.

Nothing here stores, validates or evaluates anything itself: a 1.1 resource becomes a 2.0
resource, a 1.1 PATCH becomes 2.0 PATCH operations, a 1.1 filter becomes a 2.0 filter, and
the 2.0 core (leniency, validation, filter → SQL, PATCH, services) does the work.
"""
