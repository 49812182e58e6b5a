"""Alignment: lines of effort, actions in time and space, constraints, 4D conflict detection, humanitarian notifications, the synchronization matrix and the map."""
