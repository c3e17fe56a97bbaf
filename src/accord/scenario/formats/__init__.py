"""One module per file format: ``sniff`` recognises it, ``read`` parses it, ``write`` writes it."""
