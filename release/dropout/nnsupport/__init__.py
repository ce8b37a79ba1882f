"""Support code for the course's notebooks: Solver, gradient checks, data, plotting.

Generated from the course's reference modules by `autograder release`; do not edit.
Functions that you write in the notebooks appear here only as stubs.
"""
