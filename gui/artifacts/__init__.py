"""The artifact list and what is done to one artifact: the list model and pane, the selected artifact's
header, the Add and Edit upstream dialogs (sharing the worker dialog), remove and edit actions.
"""
