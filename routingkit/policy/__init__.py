"""Routing policy and its life cycle: from chosen capacities to a deployable, checked change.

``staffing`` turns a typical week of workload into required agents by Erlang C, Erlang A and
simulation, with scenarios and the capacities written for deployment.
"""
