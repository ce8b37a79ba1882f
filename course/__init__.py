"""Reference implementations for the fully connected networks course.

Solutions live here and only here: the source notebooks' solution cells are
generated from these modules, and nothing under this package is ever shipped to
students except the support modules with every solution region removed.
"""
