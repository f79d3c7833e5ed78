"""Plain functions that change data: they validate, write, audit and flush.

They never commit: the view commits once per request.
"""
