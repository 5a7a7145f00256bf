"""The block explorer every node serves at /explorer: pages and static files that ship in this
package (no CDN), and the JSON they read (node.explorer.api), decoded through the system
contracts' ABIs (node.explorer.decoding)."""
