-- One database per service: each service owns its data and its migrations.
CREATE DATABASE housing_enquiry;
CREATE DATABASE housing_advice;
CREATE DATABASE housing_cases;
CREATE DATABASE housing_tasks;
CREATE DATABASE housing_documents;
CREATE DATABASE housing_gateway;
