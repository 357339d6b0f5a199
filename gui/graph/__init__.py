"""The lineage graph: the QGraphicsView (view), the scene plan made on any thread and the items built
on the GUI thread (scene, items), lane bands and headers (lanes), the legend, export to PNG/SVG/GraphML,
and the loader that reads an artifact's versions and plans its scene on a worker.
"""
