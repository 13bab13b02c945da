mod connect;
mod migrations;
mod queries;
