"""Read endpoints of the imported objects: thin handlers over store queries and JSON builders."""
