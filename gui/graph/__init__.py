"""The lineage graph: the QGraphicsView that draws a plan (canvas: zoom, level of detail, marks,
search dimming) and the one a person uses (view: selection, keys, clicks, hover), the scene plan
made on any thread and the items built on the GUI thread (scene, items), lane bands and headers
(lanes), the legend, export to PNG/SVG/GraphML, and the loader that reads an artifact's versions,
plans its scene and builds its search index on a worker.
"""
