"""Projects: the Projects panel and its model, deploy / push / restore / update-outdated actions on
workers, the node and artifact menus that start them, and the controller that wires them to the window.
"""
