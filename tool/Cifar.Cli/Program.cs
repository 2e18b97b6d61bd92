// Temporary entry point while the commands are wired up (see Commands/).
return 0;
