"""Look shared by every part of the window: origin colours (palette), icons, colours chosen from the
current palette (colours). Imports no other gui package.
"""
